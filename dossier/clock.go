package dossier

import "time"

// vietnam is Asia/Ho_Chi_Minh (UTC+7, no daylight saving).
var vietnam = time.FixedZone("ICT", 7*3600)
