"""Large synthetic estates for the scan benchmarks, each behind a latency-injecting proxy."""
