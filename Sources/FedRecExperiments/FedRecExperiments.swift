/// FedRecExperiments: one simulation point end to end, and sweeps over them.
