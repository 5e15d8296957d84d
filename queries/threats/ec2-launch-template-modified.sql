-- title: Launch template given user data or a new default version
-- severity: medium
-- description: CreateLaunchTemplateVersion whose launch template data sets user data, and
--   ModifyLaunchTemplate setting the default version: every instance launched from the template
--   afterwards (by Auto Scaling too) runs the script as root at boot, with the template's
--   instance profile. Calls that failed are left out.
-- references: MITRE ATT&CK T1059.009, T1037
-- attack: T1059.009; T1037
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.CreateLaunchTemplateVersionRequest.LaunchTemplateId'),
                json_extract_scalar(requestparameters, '$.CreateLaunchTemplateVersionRequest.LaunchTemplateName'),
                json_extract_scalar(requestparameters, '$.ModifyLaunchTemplateRequest.LaunchTemplateId'),
                json_extract_scalar(requestparameters, '$.ModifyLaunchTemplateRequest.LaunchTemplateName')) AS launch_template,
       coalesce(json_extract_scalar(requestparameters, '$.ModifyLaunchTemplateRequest.SetDefaultVersion'),
                json_extract_scalar(responseelements, '$.CreateLaunchTemplateVersionResponse.launchTemplateVersion.versionNumber')) AS version,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'ec2.amazonaws.com'
  AND errorcode IS NULL
  AND ((eventname = 'CreateLaunchTemplateVersion'
        AND json_get_json(requestparameters, 'CreateLaunchTemplateVersionRequest', 'LaunchTemplateData', 'UserData') IS NOT NULL)
    OR (eventname = 'ModifyLaunchTemplate'
        AND json_extract_scalar(requestparameters, '$.ModifyLaunchTemplateRequest.SetDefaultVersion') IS NOT NULL))
ORDER BY eventtime, eventid
