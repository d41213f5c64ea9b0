package io.drainpilot.kubevirt;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Base of every KubeVirt model part: fields this model does not name are kept as they came, so a
 * read-modify-write never drops what a newer KubeVirt (or another controller) put there.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public abstract class Extensible {
    @JsonIgnore
    private final Map<String, Object> unknown = new LinkedHashMap<>();

    @JsonAnyGetter
    public Map<String, Object> unknownFields() {
        return unknown;
    }

    @JsonAnySetter
    public void unknownField(String name, Object value) {
        unknown.put(name, value);
    }
}
