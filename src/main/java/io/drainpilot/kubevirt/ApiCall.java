package io.drainpilot.kubevirt;

import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The Kubernetes permission a {@link ClusterApi} method needs. The RBAC manifests are checked against
 * these annotations, so every call DrainPilot makes must go through an annotated method.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(ApiCall.List.class)
public @interface ApiCall {
    /** API group; "" is the core group. */
    String group();

    String resource();

    String[] verbs();

    /** Namespace the call is limited to, or "" for any. */
    String namespace() default "";

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        ApiCall[] value();
    }
}
