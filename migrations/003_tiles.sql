-- Reserved for vector tiles (issue 4): pre-simplified geometry per zoom band.
SELECT 1;
