package dev.genba.agent.status;

import java.time.Instant;

/** The Pi's health at one moment; each value is null when this machine cannot tell it. */
public record SystemSample(Double cpuUsage, Double memoryUsage, Double diskUsage, Double temperature,
                           Long uptimeSeconds, Instant lastBoot, String hostname, String ipAddress) {
}
