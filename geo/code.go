package geo

// Codes are the stable identity of a unit across its versions. They nest by
// prefix: a street code starts with its district's code, a grid code with its
// community's. The parent is therefore derivable; it is still stored so that
// a grid drawn with an explicit parent can be checked against its prefix.

// ValidateCode checks that code has the shape of a code at level l.
func ValidateCode(code string, l Level) error {
	if !l.Valid() {
		return Invalid("level", "unknown level %q", l)
	}
	if err := checkDigits(code); err != nil {
		return err
	}
	if len(code) != l.CodeLength() {
		return Invalid("code", "code %q does not fit level %s", code, levelName(l))
	}
	if l == District && code[2:] == "0000" {
		return Invalid("code", "code %q is a province, not a district", code)
	}
	return nil
}

// ParentCode returns the code of the unit directly above code by prefix, or
// "" for a district (or a malformed code).
func ParentCode(code string) string {
	l, err := LevelOfCode(code)
	if err != nil {
		return ""
	}
	p, ok := l.Parent()
	if !ok {
		return ""
	}
	return code[:p.CodeLength()]
}

// AncestorCodes returns the codes above code by prefix, nearest first
// (community, street, district for a grid).
func AncestorCodes(code string) []string {
	var out []string
	for p := ParentCode(code); p != ""; p = ParentCode(p) {
		out = append(out, p)
	}
	return out
}

// GridCode returns the code of the seq-th grid (1-based) of a community.
func GridCode(communityCode string, seq int) string {
	return communityCode + threeDigits(seq)
}

func threeDigits(n int) string {
	b := [3]byte{'0' + byte(n/100%10), '0' + byte(n/10%10), '0' + byte(n%10)}
	return string(b[:])
}
