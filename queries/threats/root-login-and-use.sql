-- title: Root user sign-in and use
-- severity: critical
-- description: Console sign-ins and API calls by the root user, made by a person (not by an AWS
--   service on the root user's behalf: invokedBy absent; not an AwsServiceEvent).
-- references: CIS AWS Foundations 1.7, 4.3; MITRE ATT&CK T1078.004
-- attack: T1078.004
SELECT eventid, eventtime, eventname, eventsource, sourceipaddress, useragent,
       json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa_used, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND useridentity.type = 'Root'
  AND useridentity.invokedby IS NULL
  AND (eventtype IS NULL OR eventtype <> 'AwsServiceEvent')
ORDER BY eventtime, eventid
