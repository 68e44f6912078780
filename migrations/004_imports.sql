-- Reserved for imports and the coverage audit (issue 5).
SELECT 1;
