package dev.genba.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScanRequestTest {

    @Test
    void reads_the_architecture_example_and_fills_order_id() {
        ScanRequest scan = ScanRequest.fromJson(Json.parse("""
                {"scan_id": "0d6c1d2e-5f7a-4b8c-9d0e-1f2a3b4c5d6e", "device_id": "HANDHELD-01",
                 "scanned_at": "2025-02-20T19:15:03+09:00",
                 "payload": {"tag_id": "T-1", "station": "A", "location": "SHELF-03", "lot": "LOT-123", "qty": 4}}
                """), "");

        assertThat(scan.scannedAt()).isEqualTo(Instant.parse("2025-02-20T10:15:03Z"));
        assertThat(scan.orderId()).isEmpty();
        assertThat(scan.payload()).containsEntry("qty", 4L).containsEntry("order_id", "");
        assertThat(ScanRequest.fromJson(Json.parse(Json.write(scan.toJson())), "")).isEqualTo(scan);
    }

    @Test
    void names_the_field_with_its_path_inside_a_batch() {
        assertThatThrownBy(() -> ScanRequest.fromJson(Json.parse("""
                {"scan_id": "0d6c1d2e-5f7a-4b8c-9d0e-1f2a3b4c5d6e", "device_id": "HANDHELD-01",
                 "scanned_at": "2025-02-20T10:15:03Z", "payload": {"tag_id": "T"}}
                """), "scans[7]"))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.field()).isEqualTo("scans[7].payload.location");
                    assertThat(e.getMessage()).isEqualTo("scans[7].payload.location is required");
                });
    }

    @Test
    void device_names_follow_one_rule() {
        assertThat(DeviceNames.isValid("HANDHELD-01")).isTrue();
        assertThat(DeviceNames.isValid("kiosk.line2_a")).isTrue();
        assertThat(DeviceNames.isValid("-leading")).isFalse();
        assertThat(DeviceNames.isValid("has space")).isFalse();
        assertThat(DeviceNames.isValid("x".repeat(65))).isFalse();
    }
}
