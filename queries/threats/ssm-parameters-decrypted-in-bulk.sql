-- title: Many SSM parameters decrypted by one principal
-- severity: high
-- description: One principal (a user, or one role session) asking Systems Manager Parameter
--   Store for at least `threshold` distinct parameter names or paths with withDecryption true
--   (GetParameter, each name of GetParameters, GetParametersByPath) within one clock hour
--   (date_bin buckets): SecureString values, passwords and keys, read wholesale. Refused calls
--   count too; calls without decryption are left out.
-- references: MITRE ATT&CK T1555.006
-- attack: T1555.006
-- param: threshold int 10 | distinct names or paths decrypted within an hour that make a harvest
WITH calls AS (
  SELECT eventid, eventtime, eventname, coalesce(useridentity.arn, useridentity.principalid, 'unknown') AS principal,
         requestparameters, errorcode, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'ssm.amazonaws.com'
    AND eventname IN ('GetParameter', 'GetParameters', 'GetParametersByPath')
    AND json_extract_scalar(requestparameters, '$.withDecryption') = 'true'
),
single AS (
  SELECT eventid, eventtime, principal, account, errorcode,
         coalesce(json_extract_scalar(requestparameters, '$.name'), json_extract_scalar(requestparameters, '$.path')) AS name
  FROM calls WHERE eventname <> 'GetParameters'
),
listed AS (
  -- Parameter names hold only letters, digits and . _ - / (no comma or quote): the JSON list
  -- splits on its commas.
  SELECT eventid, eventtime, principal, account, errorcode,
         unnest(string_to_array(regexp_replace(coalesce(json_extract(requestparameters, '$.names'), '[]'), '[\[\]"\s]', '', 'g'), ',')) AS name
  FROM calls WHERE eventname = 'GetParameters'
),
names AS (
  SELECT * FROM single
  UNION ALL
  SELECT * FROM listed
)
SELECT principal, account, date_bin(INTERVAL '1 hour', eventtime) AS hour,
       count(DISTINCT name) AS parameters,
       count(DISTINCT CASE WHEN errorcode IS NULL THEN name END) AS decrypted,
       count(DISTINCT eventid) AS calls, min(eventtime) AS first_call, max(eventtime) AS last_call,
       array_sort(array_distinct(array_agg(eventid))) AS eventids
FROM names
WHERE name IS NOT NULL AND name <> ''
GROUP BY principal, account, date_bin(INTERVAL '1 hour', eventtime)
HAVING count(DISTINCT name) >= $threshold
ORDER BY hour, principal
