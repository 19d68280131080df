//! Host-side tools for the project. The disk-image builder (`mkimage`) and the exec-latency
//! benchmark harness (`exec-bench`) arrive with the issues that need them; this library holds
//! what they share.
