package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;

import java.lang.reflect.Field;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * fabric8's CRUD store with an index by object identity (group, version, resource, namespace, name). The plain
 * store finds one object by matching every stored object against the request, so each create, update, patch and
 * GET by name costs time in proportion to the cluster: writing 50,000 VMIs would take hours. With the index those
 * cost the same at any size; lists and deletes still scan (they are the same as in the plain store). One
 * difference: the plain store also finds a cluster-scoped object stored with a namespace by a request without one;
 * the index does not (nothing writes such objects).
 */
final class IndexedCrudStore extends KubernetesCrudDispatcher {
    private static final List<String> IDENTITY = List.of("api", "version", "plural", "namespace", "name");

    private final IndexedMap objects = new IndexedMap();
    // the store's own map operations lock this wrapper; lookups through the index do too
    private final Map<AttributeSet, String> synchronizedObjects = Collections.synchronizedMap(objects);
    // a change is remove-then-put inside processEvent; a lookup through the index must not fall between the two
    private final Object changeLock = new Object();

    IndexedCrudStore(List<CustomResourceDefinitionContext> customResources) {
        super(customResources);
        installIndexedMap();
    }

    /** Replaces the store's map by the indexed one; the store keeps using the field it declares. */
    private void installIndexedMap() {
        try {
            Field field = CrudDispatcher.class.getDeclaredField("map");
            field.setAccessible(true);
            field.set(this, synchronizedObjects);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("fabric8 mock server " + CrudDispatcher.class.getName()
                    + " no longer has the field 'map' the simulated cluster indexes: " + e, e);
        }
    }

    @Override
    public Map.Entry<AttributeSet, String> findResource(AttributeSet query) {
        String id = identityOfQuery(query);
        if (id == null) {
            return super.findResource(query);
        }
        return find(id, query);
    }

    @Override
    public MockResponse handleGet(String path) {
        if (path.contains("watch=true")) {
            return super.handleGet(path); // the plain store turns it into a watch
        }
        AttributeSet query = getKey(path);
        String id = identityOfQuery(query);
        if (id == null) {
            return super.handleGet(path);
        }
        Map.Entry<AttributeSet, String> found = find(id, query);
        return found == null ? new MockResponse().setResponseCode(404)
                : new MockResponse().setResponseCode(200).setBody(found.getValue());
    }

    /** Every stored object is indexed, so a miss means there is no such object. */
    private Map.Entry<AttributeSet, String> find(String id, AttributeSet query) {
        synchronized (changeLock) {
            synchronized (synchronizedObjects) {
                AttributeSet key = objects.keyOf(id);
                String value = key == null ? null : objects.get(key);
                return value == null || !key.matches(query) ? null : new AbstractMap.SimpleImmutableEntry<>(key, value);
            }
        }
    }

    @Override
    public void processEvent(String path, AttributeSet pathKey, AttributeSet oldKey, GenericKubernetesResource resource,
                             String value) {
        synchronized (changeLock) {
            super.processEvent(path, pathKey, oldKey, resource, value);
        }
    }

    /** The identity a request asks for, or null when it asks for more or less than exactly one object. */
    private static String identityOfQuery(AttributeSet query) {
        if (query == null || !query.containsKey("plural") || !query.containsKey("name")) {
            return null;
        }
        List<Attribute> parts = new ArrayList<>();
        IDENTITY.stream().map(query::getAttribute).filter(a -> a != null).forEach(parts::add);
        // anything beyond the identity (a label or field selector) needs the full match
        return new AttributeSet(parts).equals(query) ? identity(query) : null;
    }

    static String identity(AttributeSet key) {
        if (!key.containsKey("plural") || !key.containsKey("name")) {
            return null;
        }
        StringBuilder id = new StringBuilder();
        for (String part : IDENTITY) {
            Attribute a = key.getAttribute(part);
            id.append(a == null || a.getValues().size() != 1 ? "" : a.getValues().get(0).toString()).append('/');
        }
        return id.toString();
    }

    /**
     * The stored objects in insertion order (as in the plain store) plus identity -> key. Only the mutators the
     * store uses keep the index; the others are refused rather than left to make the index lie. Not thread-safe
     * itself: the store uses it through a synchronized wrapper.
     */
    private static final class IndexedMap extends LinkedHashMap<AttributeSet, String> {
        private final Map<String, AttributeSet> byIdentity = new HashMap<>();

        AttributeSet keyOf(String id) {
            return byIdentity.get(id);
        }

        @Override
        public String put(AttributeSet key, String value) {
            String id = identity(key);
            if (id != null) {
                byIdentity.put(id, key);
            }
            return super.put(key, value);
        }

        @Override
        public void putAll(Map<? extends AttributeSet, ? extends String> m) {
            m.forEach(this::put);
        }

        @Override
        public String remove(Object key) {
            if (key instanceof AttributeSet k) {
                String id = identity(k);
                if (id != null && k.equals(byIdentity.get(id))) {
                    byIdentity.remove(id);
                }
            }
            return super.remove(key);
        }

        @Override
        public void clear() {
            byIdentity.clear();
            super.clear();
        }

        @Override
        public String putIfAbsent(AttributeSet key, String value) {
            throw unindexed();
        }

        @Override
        public String computeIfAbsent(AttributeSet key, Function<? super AttributeSet, ? extends String> f) {
            throw unindexed();
        }

        @Override
        public String compute(AttributeSet key, BiFunction<? super AttributeSet, ? super String, ? extends String> f) {
            throw unindexed();
        }

        @Override
        public String merge(AttributeSet key, String value, BiFunction<? super String, ? super String, ? extends String> f) {
            throw unindexed();
        }

        private static UnsupportedOperationException unindexed() {
            return new UnsupportedOperationException("the simulated cluster's indexed store supports put and remove");
        }
    }
}
