package importer

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// identifyWKT finds the EPSG code of a coordinate system given as WKT: an
// explicit AUTHORITY, else the ESRI or EPSG name of a CGCS2000, WGS-84 or
// UTM system, else the parameters of a CGCS2000 Gauss-Krüger projection.
// ok is false when the text is not WKT at all; srid is 0 when it is WKT of
// a system not recognised (it then goes to PROJ as it is).
func identifyWKT(text string) (srid int, name string, geographic, ok bool) {
	root, ok := parseWKT(strings.TrimSpace(text))
	if !ok {
		return 0, "", false, false
	}
	switch root.Key {
	case "GEOGCS", "GEOGCRS", "GEODCRS", "GEOGRAPHICCRS":
		geographic = true
	case "PROJCS", "PROJCRS", "PROJECTEDCRS":
	default:
		return 0, root.name(), false, false
	}
	name = root.name()
	if code := root.epsg(); code > 0 {
		return code, name, geographic, true
	}
	if code := epsgByName(name); code > 0 {
		return code, name, geographic, true
	}
	if !geographic {
		return gkByParams(root), name, false, true
	}
	return 0, name, true, true
}

var (
	nonAlnum = regexp.MustCompile(`[^a-z0-9]+`)
	// "CGCS2000_3_Degree_GK_CM_114E" (ESRI), "CGCS2000 / 3-degree Gauss-Kruger zone 39" (EPSG)
	cgcsGK  = regexp.MustCompile(`^cgcs2000 (3 degree )?(gk|gauss kruger) (zone (\d+)|cm (\d+)e)$`)
	wgsUTM  = regexp.MustCompile(`^wgs (84|1984) utm zone (\d+)([ns])$`)
	geoName = map[string]int{
		"gcs china geodetic coordinate system 2000": 4490, "china geodetic coordinate system 2000": 4490, "cgcs2000": 4490,
		"gcs wgs 1984": 4326, "wgs 84": 4326, "wgs84": 4326, "wgs 1984": 4326,
		"gcs xian 1980": 4610, "xian 1980": 4610, "gcs beijing 1954": 4214, "beijing 1954": 4214,
		"wgs 84 pseudo mercator": 3857, "wgs 1984 web mercator auxiliary sphere": 3857, "wgs 1984 web mercator": 3857,
	}
)

// normName lower-cases a CRS name and turns every run of punctuation into
// one space, so ESRI and EPSG spellings meet.
func normName(s string) string {
	return strings.TrimSpace(nonAlnum.ReplaceAllString(strings.ToLower(s), " "))
}

func epsgByName(name string) int {
	n := normName(name)
	if code, ok := geoName[n]; ok {
		return code
	}
	if m := cgcsGK.FindStringSubmatch(n); m != nil {
		return cgcsGKCode(m[1] != "", m[4], m[5])
	}
	if m := wgsUTM.FindStringSubmatch(n); m != nil {
		z, _ := strconv.Atoi(m[2])
		if z >= 1 && z <= 60 {
			if m[3] == "n" {
				return 32600 + z
			}
			return 32700 + z
		}
	}
	return 0
}

// cgcsGKCode maps a CGCS2000 Gauss-Krüger zone number or central meridian
// to its EPSG code (docs/design.md, "Coordinate systems"): 3-degree zones 25–45 are
// 4513–4533, 3-degree CMs 75E–135E are 4534–4554; 6-degree zones 13–23 are
// 4491–4501 and 6-degree CMs 4502–4512.
func cgcsGKCode(threeDegree bool, zone, cm string) int {
	if zone != "" {
		z, _ := strconv.Atoi(zone)
		switch {
		case threeDegree && z >= 25 && z <= 45:
			return 4513 + z - 25
		case !threeDegree && z >= 13 && z <= 23:
			return 4491 + z - 13
		}
		return 0
	}
	c, _ := strconv.Atoi(cm)
	switch {
	case threeDegree && c >= 75 && c <= 135 && c%3 == 0:
		return 4534 + (c-75)/3
	case !threeDegree && c >= 75 && c <= 135 && (c-75)%6 == 0:
		return 4502 + (c-75)/6
	}
	return 0
}

// gkByParams recognises an unnamed CGCS2000 transverse Mercator with k=1
// and latitude of origin 0 by its central meridian and false easting. A
// WGS-84 datum counts too: MapInfo knows no CGCS2000 and writes its
// Gauss-Krüger zones on WGS-84, whose ellipsoid differs from CGCS2000's by
// a tenth of a millimetre.
func gkByParams(root *wktNode) int {
	geog := root.child("GEOGCS")
	datum := ""
	if geog != nil {
		datum = normName(geog.child("DATUM").name())
	}
	proj := normName(root.child("PROJECTION").name())
	known := strings.Contains(datum, "china 2000") || strings.Contains(datum, "cgcs2000") || datum == "wgs 1984" || datum == "wgs 84"
	if !known || proj != "transverse mercator" && proj != "gauss kruger" {
		return 0
	}
	p := root.params()
	cm, fe := p["central_meridian"], p["false_easting"]
	if p["scale_factor"] != 1 || p["latitude_of_origin"] != 0 || p["false_northing"] != 0 || cm != math.Trunc(cm) {
		return 0
	}
	switch zone := (fe - 500000) / 1e6; {
	case fe == 500000:
		return cgcsGKCode(true, "", strconv.Itoa(int(cm)))
	case zone == math.Trunc(zone) && int(zone)*3 == int(cm):
		return cgcsGKCode(true, strconv.Itoa(int(zone)), "")
	case zone == math.Trunc(zone) && int(zone)*6-3 == int(cm):
		return cgcsGKCode(false, strconv.Itoa(int(zone)), "")
	}
	return 0
}

// gkZone describes what a CGCS2000 Gauss-Krüger SRID implies about its
// eastings: a zone prefix (easting = zone·10⁶ + 500000 ± ...) or none.
type gkZone struct {
	Prefixed bool
	Zone     int // for prefixed systems
	CM       int // central meridian, degrees east
}

// gkZoneOf returns the zone facts of a CGCS2000 Gauss-Krüger SRID.
func gkZoneOf(srid int) (gkZone, bool) {
	switch {
	case srid >= 4491 && srid <= 4501:
		z := srid - 4491 + 13
		return gkZone{Prefixed: true, Zone: z, CM: z*6 - 3}, true
	case srid >= 4502 && srid <= 4512:
		return gkZone{CM: 75 + 6*(srid-4502)}, true
	case srid >= 4513 && srid <= 4533:
		z := srid - 4513 + 25
		return gkZone{Prefixed: true, Zone: z, CM: z * 3}, true
	case srid >= 4534 && srid <= 4554:
		return gkZone{CM: 75 + 3*(srid-4534)}, true
	}
	return gkZone{}, false
}

// guessProjected suggests what a projected easting/northing pair probably
// is, for the message when such coordinates are labelled as degrees.
func guessProjected(x, y float64) string {
	z := int(x / 1e6)
	switch {
	case x >= 25e6 && x < 46e6:
		return fmt.Sprintf("eastings like %.0f carry the zone prefix %d: probably EPSG:%d (CGCS2000 3-degree Gauss-Kruger zone %d)", x, z, 4513+z-25, z)
	case x >= 13e6 && x < 24e6:
		return fmt.Sprintf("eastings like %.0f carry the zone prefix %d: probably EPSG:%d (CGCS2000 6-degree Gauss-Kruger zone %d)", x, z, 4491+z-13, z)
	case x > 0 && x < 1e6 && y > 1e5 && y < 1e7:
		return "these look like Gauss-Kruger metres without a zone prefix: EPSG:4534–4554 by central meridian (EPSG:4548 for 117E, Tianjin)"
	}
	return "these are not degrees"
}
