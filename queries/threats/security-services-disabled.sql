-- title: GuardDuty, Config or Security Hub disabled
-- severity: critical
-- description: Detectors deleted or disabled, findings publishing or membership removed,
--   configuration recorders stopped or deleted, Security Hub or its standards disabled.
-- references: CIS AWS Foundations 3.5, 4.9, 4.16; MITRE ATT&CK T1562.001
-- attack: T1562.001
SELECT eventid, eventtime, eventsource, eventname, user_display_name(useridentity) AS principal, sourceipaddress, errorcode, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND ((eventsource = 'guardduty.amazonaws.com'
        AND (eventname IN ('DeleteDetector', 'DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount', 'DeleteMembers', 'DisassociateMembers', 'StopMonitoringMembers', 'DeletePublishingDestination')
          OR (eventname = 'UpdateDetector' AND json_extract_scalar(requestparameters, '$.enable') = 'false')))
    OR (eventsource = 'config.amazonaws.com'
        AND eventname IN ('StopConfigurationRecorder', 'DeleteConfigurationRecorder', 'DeleteDeliveryChannel'))
    OR (eventsource = 'securityhub.amazonaws.com'
        AND eventname IN ('DisableSecurityHub', 'BatchDisableStandards', 'DisableImportFindingsForProduct', 'DeleteMembers', 'DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount')))
ORDER BY eventtime, eventid
