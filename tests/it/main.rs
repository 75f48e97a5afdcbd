mod smp;
