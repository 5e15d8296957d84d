-- title: KMS keys disabled or scheduled for deletion (CIS 4.7)
-- severity: high
-- description: Customer managed keys disabled or scheduled for deletion: data encrypted with them becomes unreadable.
-- references: CIS AWS Foundations 4.7, 5.7 (v6), 3.7 (v1.2); Security Hub CloudWatch.7; MITRE ATT&CK T1485
-- attack: T1485
SELECT eventid, eventtime, eventname, eventsource, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'kms.amazonaws.com' AND eventname IN ('DisableKey', 'ScheduleKeyDeletion')
ORDER BY eventtime, eventid
