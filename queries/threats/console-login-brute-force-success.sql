-- title: Console sign-in succeeding after repeated failures
-- severity: high
-- description: A successful console sign-in preceded, in the hour before it, by at least
--   `threshold` failed sign-ins for the same principal (the user name; the root user of the
--   account) or from the same source IP: a guessed or sprayed password that worked. One row per
--   success and key: the success (`eventid`), how many failures, and the eventids of the failures
--   and the success.
-- references: MITRE ATT&CK T1110.001, T1110.003
-- attack: T1110.001; T1110.003
-- param: threshold int 5 | failures within the hour before a success that make it suspect
WITH logins AS (
  SELECT eventid, eventtime, sourceipaddress,
         CASE WHEN useridentity.type = 'Root' THEN 'root of ' || coalesce(useridentity.accountid, useridentity.principalid, account)
              ELSE coalesce(useridentity.accountid, account) || ':' || coalesce(useridentity.username, useridentity.arn, useridentity.principalid) END AS username,
         coalesce(json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success', false) AND errorcode IS NULL AND errormessage IS NULL AS ok
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'signin.amazonaws.com' AND eventname = 'ConsoleLogin'
    AND (json_extract_scalar(responseelements, '$.ConsoleLogin') IN ('Success', 'Failure') OR errormessage = 'Failed authentication')
),
keyed AS (
  SELECT 'user' AS key_type, username AS key, eventid, eventtime, ok FROM logins WHERE username IS NOT NULL
  UNION ALL
  SELECT 'source_ip' AS key_type, sourceipaddress AS key, eventid, eventtime, ok FROM logins WHERE sourceipaddress IS NOT NULL
)
SELECT s.key_type, s.key, s.eventid, s.eventtime AS success_time, count(*) AS failures, min(f.eventtime) AS first_failure,
       array_append(array_sort(array_agg(f.eventid)), s.eventid) AS eventids
FROM keyed s
JOIN keyed f ON f.key_type = s.key_type AND f.key = s.key AND NOT f.ok
  AND f.eventtime < s.eventtime AND f.eventtime >= s.eventtime - INTERVAL '1 hour'
WHERE s.ok
GROUP BY s.key_type, s.key, s.eventid, s.eventtime
HAVING count(*) >= $threshold
ORDER BY s.eventtime, s.key_type, s.key, s.eventid
