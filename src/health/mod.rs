//! Health: kstatus rules (Current / InProgress / Failed / Terminating) per kind.
