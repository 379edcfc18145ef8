//! What anyone may use without an account: ticket types published as public forms
//! (`forms.rs`), the throttle of anonymous writes (`throttle.rs`) and the signed links
//! that let a requester follow their ticket (`follow.rs`).

mod follow;
mod forms;
mod throttle;

pub use follow::{FOLLOW_SECRET, FollowedTicket};
pub use forms::{
    DEFAULT_PER_ADDRESS_PER_HOUR, DEFAULT_PER_EMAIL_PER_HOUR, MAX_INTRO, PublicForm,
    PublicFormSettings,
};
pub use throttle::{Attempt, Limit, WINDOW};
