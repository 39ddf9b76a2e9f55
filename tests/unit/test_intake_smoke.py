from counter_app.domain.applicants import Person
from counter_app.dossiers.service import IntakeRequest, intake
from counter_app.kernel.users import SYSTEM_ACTOR


def test_intake_on_both_databases(any_ctx):
    person = Person(name="Nguyễn Văn An", id_number="056090012345")
    dossier = intake(any_ctx, IntakeRequest("1.001193", person), SYSTEM_ACTOR)
    assert dossier.code == "000.00.22.H56-260302-0001"
