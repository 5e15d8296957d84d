-- title: SageMaker lifecycle configuration created, changed or attached
-- severity: medium
-- description: Notebook instance lifecycle configurations created or updated, Studio lifecycle
--   configurations created, and notebook instances created or updated with one: their scripts
--   run as root each time the notebook starts (or is created), with the notebook's role, a quiet
--   way to keep running code in an account. Calls that failed are left out.
-- references: MITRE ATT&CK T1037, T1059.009
-- attack: T1037; T1059.009
SELECT eventid, eventtime, eventname, user_display_name(useridentity) AS principal,
       coalesce(json_extract_scalar(requestparameters, '$.notebookInstanceLifecycleConfigName'),
                json_extract_scalar(requestparameters, '$.studioLifecycleConfigName'),
                json_extract_scalar(requestparameters, '$.lifecycleConfigName')) AS lifecycle_config,
       json_extract_scalar(requestparameters, '$.notebookInstanceName') AS notebook_instance,
       sourceipaddress, account, region
FROM cloudtrail
WHERE eventtime >= $from AND eventtime < $until
  AND eventsource = 'sagemaker.amazonaws.com'
  AND errorcode IS NULL
  AND (eventname IN ('CreateNotebookInstanceLifecycleConfig', 'UpdateNotebookInstanceLifecycleConfig', 'CreateStudioLifecycleConfig')
    OR (eventname IN ('CreateNotebookInstance', 'UpdateNotebookInstance')
        AND json_extract_scalar(requestparameters, '$.lifecycleConfigName') IS NOT NULL))
ORDER BY eventtime, eventid
