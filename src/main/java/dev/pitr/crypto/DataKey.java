package dev.pitr.crypto;

/** A data key: 32 random bytes that encrypt objects, stored only wrapped by a repository key. */
record DataKey(DataKeyId id, byte[] material) {
    @Override
    public String toString() {
        return "DataKey[" + id + "]"; // never the material
    }
}
