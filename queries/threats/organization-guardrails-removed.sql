-- title: Organization guardrails removed
-- severity: critical
-- description: An account leaving its AWS Organization or removed from it (its service control
--   policies no longer apply, and the organization's trail and security services may lose it),
--   and policies detached, deleted or a whole policy type disabled at the root. Detaching
--   FullAWSAccess is left out (that restricts, it does not open), as are failed calls.
-- references: MITRE ATT&CK T1666, T1484
-- attack: T1666; T1484
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.policyId'), json_extract_scalar(requestparameters, '$.policyType'),
                json_extract_scalar(requestparameters, '$.accountId'), recipientaccountid) AS target,
       coalesce(json_extract_scalar(requestparameters, '$.targetId'), json_extract_scalar(requestparameters, '$.rootId')) AS detached_from,
       errorcode, sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'organizations.amazonaws.com'
  AND eventname IN ('LeaveOrganization', 'RemoveAccountFromOrganization', 'DetachPolicy', 'DeletePolicy', 'DisablePolicyType')
  AND (errorcode IS NULL OR eventname = 'LeaveOrganization')
  AND (eventname <> 'DetachPolicy' OR coalesce(json_extract_scalar(requestparameters, '$.policyId'), '') <> 'p-FullAWSAccess')
ORDER BY eventtime, eventid
