-- Reserved for reports, workflow and patrols (issue 6).
SELECT 1;
