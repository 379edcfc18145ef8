//! SLA arithmetic: business calendars (working hours per weekday in a time zone, with
//! holidays) and the clocks that count business time.

pub mod calendar;
pub mod clock;
pub mod ical;
pub mod policy;
pub mod report;
pub mod spec;
