-- title: AWS Config rules or conformance packs deleted
-- severity: medium
-- description: Config rules, organization rules, conformance packs (account or organization) and
--   automatic remediations deleted, and remediation exceptions added (resources exempted from
--   remediation): the checks that would report a change are taken away first. Calls an AWS service
--   made (invokedBy set: Security Hub removing the rules of a standard turned off, Config removing
--   a deleted pack's rules, CloudFormation stacks) and failed calls are left out. Stopping the
--   recorder itself is in security-services-disabled.
-- references: MITRE ATT&CK T1562.001
-- attack: T1562.001
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.configRuleName'), json_extract_scalar(requestparameters, '$.organizationConfigRuleName'),
                json_extract_scalar(requestparameters, '$.conformancePackName'), json_extract_scalar(requestparameters, '$.organizationConformancePackName')) AS target,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'config.amazonaws.com'
  AND eventname IN ('DeleteConfigRule', 'DeleteOrganizationConfigRule', 'DeleteConformancePack', 'DeleteOrganizationConformancePack',
                    'DeleteRemediationConfiguration', 'PutRemediationExceptions')
  AND errorcode IS NULL
  AND useridentity.invokedby IS NULL
ORDER BY eventtime, eventid
