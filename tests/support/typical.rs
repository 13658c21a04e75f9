//! Shared by `benches/verify.rs` and `benches/instructions.rs` (each includes it with `#[path]`):
//! the typical event of the bench, its secret, the `ts` it is signed with, and a `now` one
//! second later.

pub const SECRET: &str = "bench-hook-secret-3f9a";
pub const TS: &str = "2024-05-07T14:49:55.887Z";
pub const NOW: i64 = 1_715_093_396_000;

/// A typical `payment.statusChange` event (366 bytes), as Everifin sends it.
pub fn typical_body() -> String {
    r#"{"eventId":"c2949dfe-4585-46eb-9213-35f0f7faf055","eventType":"payment.statusChange","eventTimestamp":"2024-05-07T14:49:55.884Z","data":{"paymentId":"da96bc8f-3c3e-4b7a-9d1e-0c1f3b5a7e21","orderId":"8840d948-12da-4ca1-8269-3cfdc10b73bc","status":"BOOKED","instructionId":"302d7603-f5ce-45fb-82b3-a1a90ee26aca","hookData":{"customId":12341234,"note":"order x54352"}}}"#.to_owned()
}
