package dev.genba.server.http;

import io.javalin.config.RoutesConfig;

/** A capability's HTTP routes; each capability registers its own. */
public interface RouteGroup {
    void register(RoutesConfig routes);
}
