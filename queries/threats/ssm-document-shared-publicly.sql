-- title: Systems Manager document shared publicly or with another account
-- severity: high
-- description: ModifyDocumentPermission adding `All` (every AWS account: public) or another
--   account to those allowed to read and run a document, which may hold scripts, parameters and
--   secrets. Accounts matching `trusted_accounts` are not reported, `All` always is. Calls that
--   failed are left out.
-- references: MITRE ATT&CK T1537
-- attack: T1537
-- param: trusted_accounts string ^$ | regular expression on account ids documents are shared with on purpose
WITH calls AS (
  SELECT eventid, eventtime, user_display_name(useridentity) AS principal,
         json_extract_scalar(requestparameters, '$.name') AS document,
         json_get_array(requestparameters, 'accountIdsToAdd') AS added,
         sourceipaddress, account, region
  FROM cloudtrail
  WHERE eventtime >= $from AND eventtime < $until
    AND eventsource = 'ssm.amazonaws.com' AND eventname = 'ModifyDocumentPermission'
    AND errorcode IS NULL
    AND json_get_array(requestparameters, 'accountIdsToAdd') IS NOT NULL
),
shares AS (
  SELECT eventid, eventtime, principal, document, sourceipaddress, account, region, json_get_str(unnest(added)) AS shared_with
  FROM calls
)
SELECT eventid, eventtime, principal, document,
       bool_or(lower(shared_with) = 'all') AS public,
       array_agg(shared_with ORDER BY shared_with) AS shared_with,
       sourceipaddress, account, region
FROM shares
WHERE lower(shared_with) = 'all'
   OR (shared_with <> account AND NOT regexp_like(shared_with, $trusted_accounts))
GROUP BY eventid, eventtime, principal, document, sourceipaddress, account, region
ORDER BY eventtime, eventid
