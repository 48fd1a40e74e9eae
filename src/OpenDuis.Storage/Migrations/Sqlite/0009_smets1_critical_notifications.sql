-- SMETS1 critical notifications (DUIS 3.5.10 Table 1, E64): the Party notified to the DCC as a SMETS1
-- Device's Critical Supplier / Critical Network Operator. NULL: the registered Party is taken as notified.
ALTER TABLE devices ADD COLUMN notified_critical_supplier TEXT;
ALTER TABLE devices ADD COLUMN notified_critical_network_operator TEXT;
