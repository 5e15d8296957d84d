-- title: Admin rights given to a role or group, or in an inline policy
-- severity: high
-- description: AttachRolePolicy or AttachGroupPolicy of a policy matching `admin_policy`
--   (AdministratorAccess, IAMFullAccess, PowerUserAccess by default), and PutUserPolicy,
--   PutRolePolicy or PutGroupPolicy whose inline document has an Allow statement of Action `*`
--   on Resource `*` (each statement judged on its own). Managed policies attached to users are
--   left to new-user-given-admin and cis-4.04-iam-policy-changes; the calls IAM Identity Center
--   makes itself (its service-linked role provisioning permission sets into an account) to
--   identity-center-permission-changes. Calls that failed are left out.
-- references: CIS AWS Foundations 1.16; MITRE ATT&CK T1098.003
-- attack: T1098.003
-- param: admin_policy string (?i)^arn:aws:iam::aws:policy/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$ | regular expression on the attached policy ARN
WITH calls AS (
  SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
         coalesce(json_extract_scalar(requestparameters, '$.roleName'), json_extract_scalar(requestparameters, '$.groupName'),
                  json_extract_scalar(requestparameters, '$.userName')) AS target,
         coalesce(json_extract_scalar(requestparameters, '$.policyArn'), json_extract_scalar(requestparameters, '$.policyName')) AS policy,
         json_extract_scalar(requestparameters, '$.policyDocument') AS document,
         sourceipaddress, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'iam.amazonaws.com'
    AND eventname IN ('AttachRolePolicy', 'AttachGroupPolicy', 'PutUserPolicy', 'PutRolePolicy', 'PutGroupPolicy')
    AND errorcode IS NULL
    AND coalesce(useridentity.sessioncontext.sessionissuer.arn, '') NOT LIKE '%:role/aws-service-role/sso.amazonaws.com/%'
),
inline_statements AS (
  SELECT eventid, unnest(coalesce(json_get_array(document, 'Statement'), make_array(json_get_json(document, 'Statement')))) AS statement
  FROM calls
  WHERE eventname LIKE 'Put%'
),
inline_admin AS (
  SELECT DISTINCT eventid
  FROM inline_statements
  WHERE json_get_str(statement, 'Effect') = 'Allow'
    AND (json_get_str(statement, 'Action') = '*' OR array_has(json_get_array(statement, 'Action'), '"*"'))
    AND (json_get_str(statement, 'Resource') = '*' OR array_has(json_get_array(statement, 'Resource'), '"*"'))
)
SELECT c.eventid, c.eventtime, c.eventname, c.principal, c.target, c.policy, c.sourceipaddress, c.account
FROM calls c
LEFT JOIN inline_admin i ON c.eventid = i.eventid
WHERE (c.eventname LIKE 'Attach%' AND regexp_like(coalesce(c.policy, ''), $admin_policy))
   OR i.eventid IS NOT NULL
ORDER BY c.eventtime, c.eventid
