/// FedRecServer: the HTTP/1.1 aggregation service.
