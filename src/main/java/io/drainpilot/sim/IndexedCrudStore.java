package io.drainpilot.sim;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesResponseComposer;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;

import java.lang.reflect.Field;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * fabric8's CRUD store with an index by object identity (group, version, resource, namespace, name) and by
 * resource, serving lists, watches and collection deletes the way a real API server does.
 *
 * <p>Index: the plain store finds one object by matching every stored object against the request, so each create,
 * update, patch and GET by name costs time in proportion to the cluster: writing 50,000 VMIs would take hours.
 * With the index those cost the same at any size, and a list reads only the objects of its own resource. One
 * difference: the plain store also finds a cluster-scoped object stored with a namespace by a request without one;
 * the index does not (nothing writes such objects).
 *
 * <p>Lists and watches: label selectors with every operator ({@link LabelSelection}, the plain store ignores
 * {@code in} and {@code notin}), the field selectors the real server has for the resource
 * ({@link SelectableFields}; any other field label is 400 BadRequest, where the plain store silently matched
 * nothing), and watches that resume from a resourceVersion, end and expire ({@link WatchHub}). Every committed
 * change (create, update, patch, status, delete) is one watch event; a deletion takes a resourceVersion of its own,
 * as in etcd. A list answers with the resourceVersion of the last committed change.
 *
 * <p>Pages: a list with {@code limit} answers at most that many items in key order (namespace, name) and a
 * {@code continue} token for the rest, as a real server does ({@link ListPage}).
 *
 * <p>Simplifications: {@code resourceVersion} and {@code resourceVersionMatch} on a list are ignored (it always reads
 * the latest state); so are they on the later pages of a paged list, which a real server serves from the snapshot of
 * the first page: a change between pages shows in the page and again as a watch event from the list's
 * resourceVersion (an informer takes both as updates); a continue token never expires. An unpaged list's {@code kind}
 * is {@code List} and its items come in store order (the object written last comes last), where a real server
 * answers {@code <Kind>List} in key order. Deletes by name still scan the store, as in the plain store.
 * There is no garbage collection: deleting an owner leaves its dependents.
 */
final class IndexedCrudStore extends KubernetesCrudDispatcher implements WatchHub.Objects {
    private static final List<String> IDENTITY = List.of("api", "version", "plural", "namespace", "name");

    private final IndexedMap objects = new IndexedMap();
    // the store's own map operations lock this wrapper; lookups through the index do too
    private final Map<AttributeSet, String> synchronizedObjects = Collections.synchronizedMap(objects);
    // a change is remove-then-put inside processEvent, then its watch event; a lookup, a list or a watch start must
    // not fall in between
    private final Object changeLock = new Object();
    private final Lock writeLock;
    // the resourceVersion the request being handled on this thread was given, if any
    private final ThreadLocal<Long> issuedResourceVersion = new ThreadLocal<>();
    // the Accept header of the request being handled on this thread (metadata-only lists and watches)
    private final ThreadLocal<String> accept = new ThreadLocal<>();
    // group/plural of each custom resource -> whether it is cluster-scoped
    private final Map<String, Boolean> customResources = new HashMap<>();
    private final WatchHub watches;

    IndexedCrudStore(List<CustomResourceDefinitionContext> customResources) {
        this(customResources, 0);
    }

    /** @param seed seed of the random watch lifetimes */
    IndexedCrudStore(List<CustomResourceDefinitionContext> customResources, long seed) {
        super(customResources);
        installIndexedMap();
        this.writeLock = storeLock().writeLock();
        customResources.forEach(c -> this.customResources.put(c.getGroup() + "/" + c.getPlural(),
                "Cluster".equals(c.getScope())));
        this.watches = new WatchHub(changeLock, this, seed);
    }

    WatchHub watches() {
        return watches;
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

    /** The lock the store's writes hold; compacting the watch history needs no write to be in flight. */
    private ReadWriteLock storeLock() {
        try {
            Field field = KubernetesCrudDispatcher.class.getDeclaredField("lock");
            field.setAccessible(true);
            return (ReadWriteLock) field.get(this);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("fabric8 mock server " + KubernetesCrudDispatcher.class.getName()
                    + " no longer has the field 'lock' the simulated cluster's watch history relies on: " + e, e);
        }
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        issuedResourceVersion.remove();
        accept.set(request.getHeader("Accept"));
        try {
            if (request.method() == HttpMethod.GET) {
                ApiPath path = ApiPath.parse(request.getPath());
                if (path.isWatch() && isResourcePath(path)) {
                    return watch(path, "websocket".equalsIgnoreCase(request.getHeader("Upgrade")));
                }
            }
            MockResponse response = super.dispatch(request);
            return metadataOnlyAnswer(request) ? partialMetadata(response) : response;
        } finally {
            accept.remove();
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
    public MockResponse handleGet(String rawPath) {
        ApiPath path = ApiPath.parse(rawPath);
        if (isResourcePath(path)) {
            if (path.isWatch()) {
                return watch(path, true);
            }
            if (path.name() == null) {
                return list(path);
            }
        }
        AttributeSet query = getKey(rawPath);
        String id = identityOfQuery(query);
        if (id == null) {
            return super.handleGet(rawPath);
        }
        Map.Entry<AttributeSet, String> found = find(id, query);
        return found == null ? new MockResponse().setResponseCode(404)
                : new MockResponse().setResponseCode(200).setBody(found.getValue());
    }

    /** A request for one object (get, create, update, patch) that asks for its metadata only. */
    private boolean metadataOnlyAnswer(RecordedRequest request) {
        String accepted = accept.get();
        if (accepted == null || !accepted.contains(ResourceQuery.PARTIAL_METADATA)) {
            return false;
        }
        ApiPath path = ApiPath.parse(request.getPath());
        return !path.isWatch() && (path.name() != null || request.method() == HttpMethod.POST);
    }

    /** The server answers the object as {@code PartialObjectMetadata}; errors (a Status) stay as they are. */
    private static MockResponse partialMetadata(MockResponse response) {
        if (response.code() < 200 || response.code() >= 300 || response.getBody() == null) {
            return response;
        }
        String body = new String(response.getBody().getBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return response.setBody(ResourceQuery.partialMetadata(body));
    }

    @Override
    public MockResponse handleDelete(String rawPath) {
        issuedResourceVersion.remove();
        ApiPath path = ApiPath.parse(rawPath);
        boolean selects = path.query().containsKey("labelSelector") || path.query().containsKey("fieldSelector");
        if (!isResourcePath(path) || path.name() != null || !selects) {
            return super.handleDelete(rawPath);
        }
        ResourceQuery query;
        try {
            query = ResourceQuery.of(path, selectableFields(path));
        } catch (BadRequest e) {
            return StatusResponses.failure(400, "BadRequest", e.getMessage());
        }
        // the plain store would apply only the selector requirements it understands: choose here, delete by name
        List<AttributeSet> chosen = new ArrayList<>();
        synchronized (changeLock) {
            forEach(query.resource(), (key, json) -> {
                if (query.matches(key, () -> StoreChange.parse(json))) {
                    chosen.add(key);
                }
            });
        }
        List<String> deleted = new ArrayList<>();
        for (AttributeSet key : chosen) {
            MockResponse response = super.handleDelete(objectPath(path, key));
            if (response.code() == 200 && response.getBody() != null) {
                deleted.add(response.getBody().readUtf8());
            }
        }
        return new MockResponse().setResponseCode(200).setBody(((KubernetesResponseComposer) getResponseComposer())
                .compose(deleted, String.valueOf(watches.resourceVersion())));
    }

    @Override
    public long requestResourceVersion() {
        long version = super.requestResourceVersion();
        issuedResourceVersion.set(version);
        return version;
    }

    @Override
    public void withNewResourceVersionAlone(LongConsumer action) {
        writeLock.lock();
        try {
            action.accept(super.requestResourceVersion());
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public void forEach(String resource, BiConsumer<AttributeSet, String> action) {
        synchronized (synchronizedObjects) {
            objects.ofResource(resource).forEach(action);
        }
    }

    @Override
    public void shutdown() {
        watches.shutdown();
        super.shutdown();
    }

    private MockResponse list(ApiPath path) {
        ResourceQuery query;
        ListPage page;
        try {
            query = ResourceQuery.of(path, selectableFields(path), accept.get());
            page = ListPage.of(path.query().get("limit"), path.query().get("continue"));
        } catch (BadRequest e) {
            return StatusResponses.failure(400, "BadRequest", e.getMessage());
        }
        List<Map.Entry<String, String>> items = new ArrayList<>();
        long resourceVersion;
        synchronized (changeLock) {
            forEach(query.resource(), (key, json) -> {
                if (query.matches(key, () -> StoreChange.parse(json))) {
                    items.add(new AbstractMap.SimpleEntry<>(ListPage.keyOf(key), query.render(json)));
                }
            });
            resourceVersion = watches.committed();
        }
        if (page.unlimited() && !query.metadataOnly()) {
            return new MockResponse().setResponseCode(200).setBody(((KubernetesResponseComposer) getResponseComposer())
                    .compose(items.stream().map(Map.Entry::getValue).toList(), String.valueOf(resourceVersion)));
        }
        return new MockResponse().setResponseCode(200).setBody(page.compose(items, resourceVersion,
                query.metadataOnly() ? "PartialObjectMetadataList" : "List", query.metadataOnly() ? "meta.k8s.io/v1" : "v1"));
    }

    private MockResponse watch(ApiPath path, boolean webSocket) {
        ResourceQuery query;
        try {
            query = ResourceQuery.of(path, selectableFields(path), accept.get());
        } catch (BadRequest e) {
            return StatusResponses.failure(400, "BadRequest", e.getMessage());
        }
        if ("true".equals(path.query().get("sendInitialEvents"))) {
            // refused as by a server without the WatchList feature: serving it without the bookmark that ends the
            // initial events would leave the client waiting for it
            return StatusResponses.failure(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: sendInitialEvents:"
                    + " Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled");
        }
        if (webSocket) {
            return new MockResponse().withWebSocketUpgrade(watches.newWatch(query));
        }
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json")
                .setBody(watches.eventsNow(query));
    }

    private static boolean isResourcePath(ApiPath path) {
        return path.version() != null && path.resource() != null && path.subresource() == null;
    }

    private SelectableFields selectableFields(ApiPath path) {
        Boolean clusterScoped = customResources.get(path.group() + "/" + path.resource());
        return SelectableFields.of(path.group(), path.resource(), clusterScoped != null,
                Boolean.TRUE.equals(clusterScoped));
    }

    private static String objectPath(ApiPath collection, AttributeSet key) {
        Attribute namespace = key.getAttribute("namespace");
        return (collection.group().isEmpty() ? "/api/" : "/apis/" + collection.group() + "/") + collection.version()
                + (namespace == null ? "" : "/namespaces/" + namespace.getValues().get(0))
                + "/" + collection.resource() + "/" + key.getAttribute("name").getValues().get(0);
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
            Long issued = issuedResourceVersion.get();
            issuedResourceVersion.remove();
            String before;
            synchronized (synchronizedObjects) {
                before = oldKey == null ? null : objects.get(oldKey);
                objects.lastPut = null;
            }
            super.processEvent(path, pathKey, oldKey, resource, value);
            if (value == null) {
                if (before != null) {
                    // etcd gives a deletion a revision of its own; the DELETED event carries it
                    long version = issued != null ? issued : super.requestResourceVersion();
                    watches.record(new StoreChange(version, ResourceQuery.resourceOf(oldKey), oldKey,
                            StoreChange.atResourceVersion(before, version), null, null));
                }
                return;
            }
            if (before != null && issued == null) {
                return; // the handler found nothing to change and kept the resourceVersion: no event
            }
            AttributeSet newKey;
            synchronized (synchronizedObjects) {
                newKey = objects.lastPut;
            }
            long version = issued != null ? issued
                    : Long.parseLong(StoreChange.parse(value).path("metadata").path("resourceVersion").asText("0"));
            watches.record(new StoreChange(version, ResourceQuery.resourceOf(newKey), oldKey, before, newKey, value));
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
        private final Map<String, LinkedHashMap<AttributeSet, String>> byResource = new HashMap<>();
        // the key of the last put: processEvent's new key
        AttributeSet lastPut;

        AttributeSet keyOf(String id) {
            return byIdentity.get(id);
        }

        /** The objects of one resource ({@link ResourceQuery#resourceOf}), in store order. */
        Map<AttributeSet, String> ofResource(String resource) {
            Map<AttributeSet, String> held = byResource.get(resource);
            return held == null ? Map.of() : held;
        }

        @Override
        public String put(AttributeSet key, String value) {
            String id = identity(key);
            if (id != null) {
                byIdentity.put(id, key);
            }
            byResource.computeIfAbsent(ResourceQuery.resourceOf(key), r -> new LinkedHashMap<>()).put(key, value);
            lastPut = key;
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
                Map<AttributeSet, String> held = byResource.get(ResourceQuery.resourceOf(k));
                if (held != null) {
                    held.remove(k);
                }
            }
            return super.remove(key);
        }

        @Override
        public void clear() {
            byIdentity.clear();
            byResource.clear();
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
