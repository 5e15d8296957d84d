-- title: Console sign-ins and MFA use
-- severity: info
-- description: Every console sign-in with its outcome and whether MFA was used, for the MFA-use
--   evidence auditors ask for.
-- references: CIS AWS Foundations 1.10; SOC 2 CC6.1; PCI DSS 8.4
-- attack: T1078.004
SELECT eventid, eventtime, user_display_name(useridentity) AS principal, useridentity.type AS identity_type,
       json_extract_scalar(responseelements, '$.ConsoleLogin') AS outcome,
       json_extract_scalar(additionaleventdata, '$.MFAUsed') AS mfa_used, sourceipaddress, account
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventname = 'ConsoleLogin'
ORDER BY eventtime, eventid
