-- title: Activity in a region the account never used before
-- severity: medium
-- description: Calls in a region where the account had no events at all during the look-back
--   before the period (--lookback, 30 days by default); AWS service events and calls made by AWS
--   services are left out, and accounts with no events in the look-back are skipped (nothing to
--   compare with). One row per account and new region: the first call, the count and the eventids.
--   Often the first sign of a compromised account mining elsewhere.
-- references: MITRE ATT&CK T1535
-- attack: T1535
WITH recent AS (
  SELECT eventid, eventtime, account, awsregion
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND (eventtype IS NULL OR eventtype <> 'AwsServiceEvent')
    AND coalesce(useridentity.type, '') <> 'AWSService'
),
before AS (
  SELECT DISTINCT account, awsregion FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $from
)
SELECT r.account, r.awsregion AS region, min(r.eventtime) AS first_seen, count(*) AS events,
       array_sort(array_agg(r.eventid)) AS eventids
FROM recent r LEFT JOIN before b ON r.account = b.account AND r.awsregion = b.awsregion
WHERE b.account IS NULL
  AND EXISTS (SELECT 1 FROM cloudtrail h WHERE h.eventtime >= $baseline_from AND h.eventtime < $from AND h.account = r.account)
GROUP BY r.account, r.awsregion
ORDER BY r.account, region
