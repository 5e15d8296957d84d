-- title: Audit records missing who or where
-- severity: low
-- description: Calls whose record does not say who made them (no identity type, or none of ARN,
--   principal id, account or invoking service) or where they came from (no source IP address),
--   or lacks its event name or source. AWS service events are left out: they have no caller.
-- references: PCI DSS v4.0 10.2.2; HIPAA 164.312(b)
-- attack: T1070
SELECT eventid, eventtime, eventsource, eventname, eventtype,
       concat_ws(', ',
         CASE WHEN useridentity.type IS NULL THEN 'identity type' END,
         CASE WHEN coalesce(useridentity.arn, useridentity.principalid, useridentity.accountid, useridentity.invokedby) IS NULL THEN 'caller' END,
         CASE WHEN sourceipaddress IS NULL OR sourceipaddress = '' THEN 'source IP' END,
         CASE WHEN eventname IS NULL OR eventsource IS NULL THEN 'event name or source' END) AS missing,
       account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND coalesce(eventtype, '') <> 'AwsServiceEvent'
  AND (useridentity.type IS NULL
    OR coalesce(useridentity.arn, useridentity.principalid, useridentity.accountid, useridentity.invokedby) IS NULL
    OR sourceipaddress IS NULL OR sourceipaddress = ''
    OR eventname IS NULL OR eventsource IS NULL)
ORDER BY eventtime, eventid
