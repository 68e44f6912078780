package geo

import (
	"time"

	"github.com/paulmach/orb"
)

// Unit is one version of a district, street, community, grid or micro-grid.
// An edit never changes a stored version: it closes it (sets ValidTo) and
// adds the next one. ValidTo is nil for the current version.
type Unit struct {
	Code       string           `json:"code"`
	Level      Level            `json:"level"`
	Name       string           `json:"name"`
	ParentCode string           `json:"parent_code,omitempty"`
	Geom       orb.MultiPolygon `json:"-"`
	Properties map[string]any   `json:"properties,omitempty"`
	Version    int              `json:"version"`
	ValidFrom  time.Time        `json:"valid_from"`
	ValidTo    *time.Time       `json:"valid_to"`
	CreatedBy  string           `json:"created_by,omitempty"`
	CreatedAt  time.Time        `json:"created_at"`
}

// Validate checks the unit's own fields (not its relation to other units).
func (u *Unit) Validate() error {
	if err := ValidateCode(u.Code, u.Level); err != nil {
		return err
	}
	if err := ValidateName("name", u.Name, MaxUnitName, true); err != nil {
		return err
	}
	if err := ValidateProperties("properties", u.Properties); err != nil {
		return err
	}
	if want := ParentCode(u.Code); u.ParentCode != "" && u.ParentCode != want {
		return Invalid("parent_code", "parent %q does not match the code prefix %q", u.ParentCode, want)
	}
	if len(u.Geom) == 0 {
		return Invalid("geometry", "geometry is empty")
	}
	return nil
}

// EnclaveStatus is the lifecycle state of an enclave (飞地).
type EnclaveStatus string

// The enclave statuses.
const (
	EnclaveUnmanaged   EnclaveStatus = "unmanaged"   // 失管: nobody has taken it over yet
	EnclaveCustodial   EnclaveStatus = "custodial"   // 代管: another unit looks after it by agreement
	EnclaveTransferred EnclaveStatus = "transferred" // 属地化: jurisdiction handed to the managing unit
)

// ParseEnclaveStatus returns the status named s.
func ParseEnclaveStatus(s string) (EnclaveStatus, error) {
	switch st := EnclaveStatus(s); st {
	case EnclaveUnmanaged, EnclaveCustodial, EnclaveTransferred:
		return st, nil
	}
	return "", Invalid("status", "unknown enclave status %q; want unmanaged, custodial or transferred", s)
}

// Enclave is one version of an area that lies inside one unit's land but is
// managed by another unit (ManagingCode, of any level).
type Enclave struct {
	Code         string           `json:"code"`
	Name         string           `json:"name"`
	ManagingCode string           `json:"managing_code"`
	Status       EnclaveStatus    `json:"status"`
	Reason       string           `json:"reason,omitempty"`
	Geom         orb.MultiPolygon `json:"-"`
	AreaM2       float64          `json:"area_m2"` // geodesic area, as PostGIS computes it; decides nested enclaves
	Properties   map[string]any   `json:"properties,omitempty"`
	Version      int              `json:"version"`
	ValidFrom    time.Time        `json:"valid_from"`
	ValidTo      *time.Time       `json:"valid_to"`
	CreatedBy    string           `json:"created_by,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
}

// Validate checks the enclave's own fields.
func (e *Enclave) Validate() error {
	if err := ValidateStoredEnclaveCode("code", e.Code); err != nil {
		return err
	}
	if err := ValidateName("name", e.Name, MaxUnitName, true); err != nil {
		return err
	}
	if err := ValidateText("reason", e.Reason, MaxEnclaveReason); err != nil {
		return err
	}
	if err := ValidateProperties("properties", e.Properties); err != nil {
		return err
	}
	if _, err := LevelOfCode(e.ManagingCode); err != nil {
		return Invalid("managing_code", "managing code %q is not a unit code", e.ManagingCode)
	}
	if _, err := ParseEnclaveStatus(string(e.Status)); err != nil {
		return err
	}
	if len(e.Geom) == 0 {
		return Invalid("geometry", "geometry is empty")
	}
	return nil
}
