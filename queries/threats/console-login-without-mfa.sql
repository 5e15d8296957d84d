-- title: IAM user or root signed in to the console without MFA
-- severity: medium
-- description: Successful console sign-ins of IAM users or the root user with
--   additionalEventData.MFAUsed other than Yes: a password alone opened the console, which is all
--   a phished or leaked password needs (for root, everything). The IAM users' sign-ins are those
--   of the compliance query cis-4.02, raised here as a threat (for watch and threat reports) with
--   the user agent and address to judge it by. Sign-ins through IAM Identity Center or a
--   federation provider do their MFA elsewhere and are left out.
-- references: MITRE ATT&CK T1078.004; CIS AWS Foundations 4.2
-- attack: T1078.004
SELECT eventid, eventtime, user_display_name(useridentity) AS principal, useridentity.arn AS principal_arn,
       json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa_used,
       sourceipaddress, useragent, account
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'signin.amazonaws.com' AND eventname = 'ConsoleLogin'
  AND useridentity.type IN ('IAMUser', 'Root')
  AND json_extract_scalar(responseelements, '$.ConsoleLogin') = 'Success'
  AND coalesce(json_extract_scalar(additionaleventdata, '$.MFAUsed'), '') <> 'Yes'
ORDER BY eventtime, eventid
