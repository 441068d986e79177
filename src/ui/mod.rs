//! The TUI drawing functions: they read `app` state and never change it.
