package dev.pitr.repo;

/** An object that is there but whose content cannot be trusted (it fails authentication): never handed on. */
public final class DamagedObjectException extends RepositoryException {
    private final String key;

    public DamagedObjectException(String key, String message, Throwable cause) {
        super(message, cause);
        this.key = key;
    }

    /** The object's key in its repository. */
    public String key() {
        return key;
    }
}
