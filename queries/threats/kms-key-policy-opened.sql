-- title: KMS key policy opened to everyone or to another account
-- severity: high
-- description: PutKeyPolicy or CreateKey with a key policy that has an Allow statement for the `*`
--   principal whose conditions do not pin the caller (kms:CallerAccount, aws:PrincipalOrgID, a
--   source VPC or endpoint...), or that names another AWS account as principal: whoever holds it
--   can use the key (decrypt shared snapshots and copied data) or manage it. Deny statements
--   never count; failed calls are left out.
-- references: MITRE ATT&CK T1537
-- attack: T1537
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.keyId'), json_extract_scalar(responseelements, '$.keyMetadata.keyId')) AS key_id,
       policy_is_public(json_extract(requestparameters, '$.policy')) AS public,
       policy_foreign_accounts(json_extract(requestparameters, '$.policy'), coalesce(recipientaccountid, account)) AS foreign_accounts,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'kms.amazonaws.com' AND eventname IN ('PutKeyPolicy', 'CreateKey')
  AND errorcode IS NULL
  AND (policy_is_public(json_extract(requestparameters, '$.policy'))
    OR policy_foreign_accounts(json_extract(requestparameters, '$.policy'), coalesce(recipientaccountid, account)) IS NOT NULL)
ORDER BY eventtime, eventid
