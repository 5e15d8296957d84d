-- title: Root account used (CIS 4.3)
-- severity: high
-- description: Any call made with the root user's credentials that was not made by an AWS
--   service on its behalf (invokedBy absent) and is not an AWS service event. CIS pattern:
--   { $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }.
-- references: CIS AWS Foundations 4.3 (v1.4-v5), 5.3 (v6), 3.3 (v1.2); Security Hub CloudWatch.1; MITRE ATT&CK T1078.004
-- attack: T1078.004
SELECT eventid, eventtime, eventname, eventsource, sourceipaddress, useragent, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND useridentity.type = 'Root'
  AND useridentity.invokedby IS NULL
  AND (eventtype IS NULL OR eventtype <> 'AwsServiceEvent')
ORDER BY eventtime, eventid
