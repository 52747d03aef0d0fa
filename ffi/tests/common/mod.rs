//! What the FFI tests share: an observer that keeps every state the flow delivered, in order.

use std::sync::Mutex;

use kazasu_ffi::flow::{CallbackFailure, FlowObserver, FlowState};

#[derive(Default)]
pub struct Seen(pub Mutex<Vec<FlowState>>);

impl FlowObserver for Seen {
    fn on_state(&self, state: FlowState) -> Result<(), CallbackFailure> {
        self.0.lock().unwrap().push(state);
        Ok(())
    }
}
