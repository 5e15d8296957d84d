-- title: Instance launches in regions not normally used
-- severity: high
-- description: Successful RunInstances in a region where the account launched nothing during the
--   look-back before the period (--lookback, 30 days by default).
-- references: FinOps: compute anomalies; MITRE ATT&CK T1535, T1496
WITH launches AS (
  SELECT eventid, eventtime, account, awsregion
  FROM cloudtrail
  WHERE eventtime >= $baseline_from AND eventtime < $until
    AND eventsource = 'ec2.amazonaws.com' AND eventname = 'RunInstances' AND errorcode IS NULL
),
usual AS (SELECT DISTINCT account, awsregion FROM launches WHERE eventtime < $from)
SELECT l.account, l.awsregion AS region, count(*) AS launches, min(l.eventtime) AS first_launch,
       array_sort(array_agg(l.eventid)) AS eventids
FROM launches l LEFT JOIN usual u ON l.account = u.account AND l.awsregion = u.awsregion
WHERE l.eventtime >= $from AND u.account IS NULL
GROUP BY l.account, l.awsregion
ORDER BY l.account, region
