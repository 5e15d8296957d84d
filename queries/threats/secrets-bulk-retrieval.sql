-- title: Many secrets read by one principal
-- severity: high
-- description: One principal (a user, or one role session) calling GetSecretValue on at least
--   `threshold` distinct secrets within one clock hour (date_bin buckets, so a run split across
--   an hour boundary is counted in two halves): harvesting the secrets store rather than an
--   application fetching its own few. Refused calls count too (trying is the sign); `retrieved`
--   says how many secrets were actually read. Secrets are told apart by the secretId as given
--   (a name and an ARN of one secret count twice).
-- references: MITRE ATT&CK T1555.006
-- attack: T1555.006
-- param: threshold int 10 | distinct secrets within an hour that make a harvest
WITH reads AS (
  SELECT eventid, eventtime, coalesce(useridentity.arn, useridentity.principalid, 'unknown') AS principal,
         json_extract_scalar(requestparameters, '$.secretId') AS secret, errorcode, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'secretsmanager.amazonaws.com' AND eventname = 'GetSecretValue'
)
SELECT principal, account, date_bin(INTERVAL '1 hour', eventtime) AS hour,
       count(DISTINCT secret) AS secrets,
       count(DISTINCT CASE WHEN errorcode IS NULL THEN secret END) AS retrieved,
       count(*) AS calls, min(eventtime) AS first_call, max(eventtime) AS last_call,
       array_sort(array_agg(eventid)) AS eventids
FROM reads
GROUP BY principal, account, date_bin(INTERVAL '1 hour', eventtime)
HAVING count(DISTINCT secret) >= $threshold
ORDER BY hour, principal
