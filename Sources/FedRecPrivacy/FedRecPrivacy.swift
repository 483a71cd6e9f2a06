/// FedRecPrivacy: clipping, mechanisms, accountants, calibration, ledger.
