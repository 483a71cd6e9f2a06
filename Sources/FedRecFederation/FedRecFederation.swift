/// FedRecFederation: clients, aggregator, sampling, rounds, simulation.
