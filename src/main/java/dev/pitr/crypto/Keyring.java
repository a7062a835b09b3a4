package dev.pitr.crypto;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An encrypted repository's keyring ({@code keys/keyring.json}, the one object stored in plain text): the
 * repository keys (their KDF salt and id, never the key), and every data key wrapped by each repository key that
 * may open it. Rotating the repository key rewrites this object only; data objects name their data key and are
 * never rewritten. Nothing here is secret: a wrap opens only under its repository key.
 */
public record Keyring(@JsonProperty("format_version") int formatVersion,
                      @JsonProperty("current_key_id") String currentKeyId,
                      @JsonProperty("current_data_key_id") String currentDataKeyId,
                      @JsonProperty("keys") List<KeyEntry> keys,
                      @JsonProperty("data_keys") List<DataKeyEntry> dataKeys) {
    public static final int FORMAT_VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A repository key as the keyring knows it: how to derive it from its secret, and whether it is retired. */
    public record KeyEntry(@JsonProperty("key_id") String keyId,
                           @JsonProperty("kdf") String kdf,
                           @JsonProperty("salt") String salt,
                           @JsonProperty("iterations") int iterations,
                           @JsonProperty("added_at") Instant addedAt,
                           @JsonProperty("retired_at") Optional<Instant> retiredAt) {
        RepositoryKey derive(Secret secret) {
            return secret.derive(Base64.getDecoder().decode(salt), iterations);
        }

        boolean active() {
            return retiredAt.isEmpty();
        }
    }

    /** A data key, wrapped once per repository key that opens it. */
    public record DataKeyEntry(@JsonProperty("data_key_id") String dataKeyId,
                               @JsonProperty("created_at") Instant createdAt,
                               @JsonProperty("wraps") List<Wrap> wraps) {
        Optional<Wrap> under(String keyId) {
            return wraps.stream().filter(w -> w.keyId().equals(keyId)).findFirst();
        }
    }

    public record Wrap(@JsonProperty("key_id") String keyId,
                       @JsonProperty("nonce") String nonce,
                       @JsonProperty("wrapped") String wrapped) {
        static Wrap of(String keyId, RepositoryKey.Wrapped w) {
            Base64.Encoder b64 = Base64.getEncoder();
            return new Wrap(keyId, b64.encodeToString(w.nonce()), b64.encodeToString(w.ciphertext()));
        }

        RepositoryKey.Wrapped opened() {
            Base64.Decoder b64 = Base64.getDecoder();
            return new RepositoryKey.Wrapped(b64.decode(nonce), b64.decode(wrapped));
        }
    }

    /** A new keyring: one repository key from {@code secret}, one data key. */
    static Keyring create(Secret secret, Instant now) {
        KeyEntry entry = newEntry(secret, now);
        RepositoryKey key = entry.derive(secret);
        DataKey data = newDataKey();
        return new Keyring(FORMAT_VERSION, entry.keyId(), data.id().hex(), List.of(entry),
                List.of(new DataKeyEntry(data.id().hex(), now, List.of(Wrap.of(key.id(), key.wrap(data))))));
    }

    static KeyEntry newEntry(Secret secret, Instant now) {
        byte[] salt = RepositoryKey.newSalt();
        String id = secret.derive(salt, RepositoryKey.ITERATIONS).id();
        return new KeyEntry(id, RepositoryKey.KDF, Base64.getEncoder().encodeToString(salt), RepositoryKey.ITERATIONS,
                now, Optional.empty());
    }

    static DataKey newDataKey() {
        byte[] id = new byte[ObjectCipher.ID_LENGTH];
        byte[] material = new byte[32];
        RANDOM.nextBytes(id);
        RANDOM.nextBytes(material);
        return new DataKey(new DataKeyId(id), material);
    }

    /** The entry {@code secret} derives to, retired or not, with its derived key. */
    Optional<Unlocked> match(Secret secret) {
        for (KeyEntry entry : keys) {
            RepositoryKey key = entry.derive(secret);
            if (key.id().equals(entry.keyId())) {
                return Optional.of(new Unlocked(entry, key));
            }
        }
        return Optional.empty();
    }

    Optional<DataKeyEntry> dataKey(DataKeyId id) {
        return dataKeys.stream().filter(d -> d.dataKeyId().equals(id.hex())).findFirst();
    }

    List<String> activeKeyIds() {
        return keys.stream().filter(KeyEntry::active).map(KeyEntry::keyId).toList();
    }

    /** Every data key, opened with {@code key}: throws when one has no wrap under it or its wrap fails. */
    Map<DataKeyId, DataKey> openAll(RepositoryKey key) throws GeneralSecurityException {
        Map<DataKeyId, DataKey> out = new java.util.LinkedHashMap<>();
        for (DataKeyEntry d : dataKeys) {
            DataKeyId id = DataKeyId.parse(d.dataKeyId());
            Wrap wrap = d.under(key.id()).orElseThrow(() -> new GeneralSecurityException("data key " + d.dataKeyId()
                    + " has no wrap under key " + key.id()));
            out.put(id, key.unwrap(id, wrap.opened()));
        }
        return out;
    }

    /**
     * Rotation's first half: {@code next} becomes current and wraps every data key beside the keys that wrap
     * them now, plus a new current data key wrapped under every active key (writers still holding the old key
     * keep working until the second half).
     */
    Keyring withNewCurrentKey(KeyEntry nextEntry, RepositoryKey next, Map<DataKeyId, DataKey> all,
                              Map<String, RepositoryKey> active, Instant now) {
        List<DataKeyEntry> wrapped = new ArrayList<>();
        for (DataKeyEntry d : dataKeys) {
            List<Wrap> wraps = new ArrayList<>(d.wraps());
            wraps.removeIf(w -> w.keyId().equals(next.id()));
            wraps.add(Wrap.of(next.id(), next.wrap(all.get(DataKeyId.parse(d.dataKeyId())))));
            wrapped.add(new DataKeyEntry(d.dataKeyId(), d.createdAt(), List.copyOf(wraps)));
        }
        DataKey fresh = newDataKey();
        List<Wrap> freshWraps = new ArrayList<>();
        freshWraps.add(Wrap.of(next.id(), next.wrap(fresh)));
        active.forEach((id, key) -> freshWraps.add(Wrap.of(id, key.wrap(fresh))));
        wrapped.add(new DataKeyEntry(fresh.id().hex(), now, List.copyOf(freshWraps)));
        List<KeyEntry> entries = new ArrayList<>(keys);
        entries.add(nextEntry);
        return new Keyring(FORMAT_VERSION, next.id(), fresh.id().hex(), List.copyOf(entries), List.copyOf(wrapped));
    }

    /** Rotation's second half: every key but the current one retired, and its wraps removed. */
    Keyring withOthersRetired(Instant now) {
        List<KeyEntry> entries = keys.stream().map(k -> k.keyId().equals(currentKeyId) || !k.active() ? k
                : new KeyEntry(k.keyId(), k.kdf(), k.salt(), k.iterations(), k.addedAt(), Optional.of(now))).toList();
        List<DataKeyEntry> wrapped = dataKeys.stream().map(d -> new DataKeyEntry(d.dataKeyId(), d.createdAt(),
                d.wraps().stream().filter(w -> w.keyId().equals(currentKeyId)).toList())).toList();
        return new Keyring(FORMAT_VERSION, currentKeyId, currentDataKeyId, entries, wrapped);
    }

    /** A secret matched to its entry, with the derived key. */
    record Unlocked(KeyEntry entry, RepositoryKey key) {
    }
}
