-- title: New IAM user given admin rights
-- severity: critical
-- description: An IAM user created in the period that was then given AdministratorAccess (or
--   another policy matching `admin_policy`) directly, or added to a group whose name matches
--   `admin_group`. Both events are named.
-- references: MITRE ATT&CK T1136.003, T1098
-- attack: T1136.003; T1098
-- param: admin_policy string (?i)AdministratorAccess|IAMFullAccess | regular expression on the attached policy ARN
-- param: admin_group string (?i)admin | regular expression on the group name
WITH created AS (
  SELECT eventid, eventtime, json_extract_scalar(requestparameters, '$.userName') AS username, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'iam.amazonaws.com' AND eventname = 'CreateUser' AND errorcode IS NULL
),
granted AS (
  SELECT eventid, eventtime, eventname, json_extract_scalar(requestparameters, '$.userName') AS username, account,
         coalesce(json_extract_scalar(requestparameters, '$.policyArn'), json_extract_scalar(requestparameters, '$.groupName')) AS grant
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'iam.amazonaws.com' AND errorcode IS NULL
    AND ((eventname = 'AttachUserPolicy' AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.policyArn'), ''), $admin_policy))
      OR (eventname = 'AddUserToGroup' AND regexp_like(coalesce(json_extract_scalar(requestparameters, '$.groupName'), ''), $admin_group)))
)
SELECT c.username, c.account, c.eventtime AS created_at, g.eventtime AS granted_at, g.eventname, g.grant,
       make_array(c.eventid, g.eventid) AS eventids
FROM created c JOIN granted g ON c.username = g.username AND c.account = g.account AND g.eventtime >= c.eventtime
ORDER BY c.username, g.eventtime
