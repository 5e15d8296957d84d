-- title: New IAM user given credentials right after its creation
-- severity: high
-- description: A CreateUser followed within `within_minutes` minutes by an access key or a
--   console password (CreateAccessKey, CreateLoginProfile) for that same user: the usual quick
--   backdoor account. One row per credential, naming both events. Calls that failed are left out.
-- references: MITRE ATT&CK T1136.003, T1098.001
-- attack: T1136.003; T1098.001
-- param: within_minutes int 60 | how soon after the user's creation its credentials count
WITH created AS (
  SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
         json_extract_scalar(requestparameters, '$.userName') AS username, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'iam.amazonaws.com' AND eventname = 'CreateUser' AND errorcode IS NULL
),
credentials AS (
  SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
         coalesce(json_extract_scalar(requestparameters, '$.userName'), useridentity.username) AS username, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'iam.amazonaws.com' AND eventname IN ('CreateAccessKey', 'CreateLoginProfile') AND errorcode IS NULL
)
SELECT c.username, c.account, c.principal AS created_by, c.eventtime AS created_at,
       k.eventname AS credential, k.principal AS given_by, k.eventtime AS given_at,
       make_array(c.eventid, k.eventid) AS eventids
FROM created c
JOIN credentials k ON c.username = k.username AND c.account = k.account
  AND k.eventtime >= c.eventtime
  AND date_part('epoch', k.eventtime) - date_part('epoch', c.eventtime) <= $within_minutes * 60
ORDER BY c.eventtime, k.eventtime, c.eventid, k.eventid
