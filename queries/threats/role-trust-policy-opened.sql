-- title: Role trust policy opened to everyone or another account
-- severity: high
-- description: CreateRole or UpdateAssumeRolePolicy whose trust policy has an Allow statement
--   naming the `*` principal, or an AWS principal (account id or ARN) of an account other than
--   the role's own: anyone there can then assume the role. Each Allow statement is judged on its
--   own (Deny statements and service or federated principals are left out); accounts matching
--   `trusted_accounts` are not reported, `*` always is. Calls that failed are left out.
-- references: MITRE ATT&CK T1098.003, T1484.002
-- attack: T1098.003; T1484.002
-- param: trusted_accounts string ^$ | regular expression on account ids trusted on purpose (e.g. ^(333333333333|444444444444)$)
WITH calls AS (
  SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
         json_extract_scalar(requestparameters, '$.roleName') AS role_name,
         coalesce(json_extract_scalar(requestparameters, '$.assumeRolePolicyDocument'),
                  json_extract_scalar(requestparameters, '$.policyDocument')) AS document,
         sourceipaddress, account
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'iam.amazonaws.com' AND eventname IN ('CreateRole', 'UpdateAssumeRolePolicy')
    AND errorcode IS NULL
),
statements AS (
  SELECT eventid, eventtime, eventname, principal, role_name, sourceipaddress, account,
         unnest(coalesce(json_get_array(document, 'Statement'), make_array(json_get_json(document, 'Statement')))) AS statement
  FROM calls
),
trusted AS (
  SELECT eventid, eventtime, eventname, principal, role_name, sourceipaddress, account,
         json_get_json(statement, 'Condition') AS condition,
         unnest(CASE
                  WHEN json_get_str(statement, 'Principal') IS NOT NULL THEN make_array(json_get_json(statement, 'Principal'))
                  WHEN json_get_array(statement, 'Principal', 'AWS') IS NOT NULL THEN json_get_array(statement, 'Principal', 'AWS')
                  ELSE make_array(json_get_json(statement, 'Principal', 'AWS'))
                END) AS who
  FROM statements
  WHERE json_get_str(statement, 'Effect') = 'Allow'
),
opened AS (
  SELECT *, json_get_str(who) AS trustee,
         CASE WHEN regexp_like(json_get_str(who), '^[0-9]{12}$') THEN json_get_str(who) ELSE arn_account(json_get_str(who)) END AS trustee_account
  FROM trusted
  WHERE who IS NOT NULL
)
SELECT eventid, eventtime, eventname, principal, role_name,
       array_sort(array_agg(DISTINCT trustee)) AS trustees,
       array_sort(array_agg(DISTINCT condition) FILTER (WHERE condition IS NOT NULL)) AS conditions,
       sourceipaddress, account
FROM opened
WHERE trustee = '*'
   OR (trustee_account IS NOT NULL AND trustee_account <> account AND NOT regexp_like(trustee_account, $trusted_accounts))
GROUP BY eventid, eventtime, eventname, principal, role_name, sourceipaddress, account
ORDER BY eventtime, eventid
