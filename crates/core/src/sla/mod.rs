//! SLA arithmetic: business calendars (working hours per weekday in a time zone, with
//! holidays) and the clocks that count business time.

pub mod calendar;
