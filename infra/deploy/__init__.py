"""Deploy PetTube to AWS: package the Lambdas, translate the template, apply a change set, publish the site.

Self-contained on purpose: boto3 + samtranslator + a CloudFormation change set,
the same translation the local cloud uses, so what the offline tests check is
exactly what AWS receives. Run it as ``python -m deploy`` (see deploy.mk).
"""
