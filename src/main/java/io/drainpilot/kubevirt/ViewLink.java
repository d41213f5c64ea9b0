package io.drainpilot.kubevirt;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * How {@link ClusterApi} and the informer caches help each other: a write starts from the cached object (no read
 * first; a conflict makes it read again), and what a write returns goes into the cache at once, so the next
 * decision sees it before its watch event arrives.
 */
public interface ViewLink {
    ViewLink NONE = new ViewLink() {
        @Override
        public <T extends HasMetadata> T cached(Class<T> type, String namespace, String name) {
            return null;
        }

        @Override
        public void written(HasMetadata object) {
        }

        @Override
        public void deleted(HasMetadata object) {
        }
    };

    /** The cached copy, or null when the cache does not hold it (then the write reads it first). */
    <T extends HasMetadata> T cached(Class<T> type, String namespace, String name);

    /** The object as the API server returned it after our write. */
    void written(HasMetadata object);

    /** An object we deleted. */
    void deleted(HasMetadata object);
}
